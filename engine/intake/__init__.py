"""From the inbox to the carte: watching, settling, decoding contributions."""
