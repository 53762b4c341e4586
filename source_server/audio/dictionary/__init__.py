"""The province's abbreviation dictionary: entries that people who run the system add on top of the defaults.

``rules`` checks an entry (pure), ``service`` stores entries and answers "which entries apply to a text of this
area", ``api`` is the HTTP face. The defaults themselves stay in ``audio.textnorm.abbreviations``.
"""
