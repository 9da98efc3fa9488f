from skypark.core.backoffice import place

place("config", section="system")
