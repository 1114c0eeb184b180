"""The meaning room: what the contributions say, read off the frame thread.

`language` turns a text into lemmas (simplemma's dictionaries, shipped in its wheel),
`reading` gives one contribution its terms and title, `lexicon` keeps each territory's
and sector's terms as contributions arrive and leave, and `affinity` finds the earlier
contributions a new one shares most with. All of it depends only on the journal, so the
same journal gives the same terms, titles and places.
"""
