"""egohands.codecs."""
