from skypark.core.backoffice import place

place("analytics", section="system")
