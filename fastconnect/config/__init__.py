"""Reading configuration files and validating worker and connector configs."""
