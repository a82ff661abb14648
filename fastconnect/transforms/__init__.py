"""The SMTs and predicates, one module each, found by the plugin registry.

Every ``Transformation`` and ``Predicate`` subclass defined in a module of this package is
registered under its class name, its Python path and its ``ALIASES`` (the Java class names,
``$Key``/``$Value`` variants included): adding a module is enough to add an SMT.
"""
