"""Audio for broadcast: decode, loudness, encode to the device format, text to speech, text normalisation."""
