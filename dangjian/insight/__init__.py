"""Opinion insight (S9, the routing half of S10): hot spots, pain points, near-duplicates,
sentiment and routing suggestions over the texts other modules offer through
``core.hooks.register_text_source``. Reads only: it never writes another module's records."""
