from skypark.core.backoffice import place

place("analytics", section="system")
place("analytics", section="loyalty", models=["segmentcampaign"])  # marketing to the network's customers
