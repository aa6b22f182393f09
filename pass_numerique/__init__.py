"""Pass numérique: campaigns, referenced structures, chequebooks, redemption, settlements."""
