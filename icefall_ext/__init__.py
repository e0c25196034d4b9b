"""Speech half of the toolkit: corpora, features, transducers, decoding and export,
laid out where an icefall user expects them."""
