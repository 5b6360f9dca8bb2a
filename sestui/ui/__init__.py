"""The Textual front end. Everything else in sestui runs without Textual."""
