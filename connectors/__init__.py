"""fastconnect's own connectors, packaged as plugins exactly as a third party's would be."""
