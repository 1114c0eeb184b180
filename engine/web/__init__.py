"""The web door: participants contribute from their phones, moderators steer from a tablet.

An aiohttp server on its own thread and event loop. It never touches GL, pygame or pyo:
uploads become inbox files that intake takes like any other, and the console's actions
are journaled or queued as the same small frozen commands OSC makes.
"""
