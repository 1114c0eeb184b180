/*{
  "DESCRIPTION": "Typing desktop drivers accept and Mesa's 3.30 refuses: return 0 in a float function, uint mixed with int; a function named like a built-in, a variable named sample.",
  "ISFVSN": "2",
  "INPUTS": [{"NAME": "cells", "TYPE": "float", "DEFAULT": 6.0, "MIN": 1.0, "MAX": 32.0}]
}*/

uvec2 cellSize = uvec2(8, 16);
const uvec4 pattern = uvec4(0x0F0F0F0F, 0xF0F0F0F0, 0x00FF00FF, 0xFF00FF00);

float ramp(float x) {
    if (x < 0.0)
        return 0;
    return x;
}

float round(float x) { return floor(x + 0.5); }

void main() {
    uvec2 cell = uvec2(gl_FragCoord.xy / vec2(cellSize));
    uint index = (cell.x + cell.y) % 4;
    uint bits = pattern[index] >> (8 * (cell.x % 4)) & 0xFF;
    uint lit = (bits >> (7 - cell.y % 8)) & 1;
    float shade = ramp(isf_FragNormCoord.x * cells - 1.0) / cells;
    float sample = round(0.4) + 0.5;
    gl_FragColor = vec4(float(lit), shade, sample, 1.0);
}
