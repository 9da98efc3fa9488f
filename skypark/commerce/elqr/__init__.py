"""ELQR: the national QR payment scheme of the Kyrgyz Republic, on EMVCo's
merchant-presented QR. ``payload`` builds the codes, ``parse`` reads them (written
apart from the builder, so a round trip checks one against the other)."""
