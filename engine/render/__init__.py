"""Everything that touches GL: surfaces, shaders, layers. Main thread only."""
