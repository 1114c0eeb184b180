/*{
  "DESCRIPTION": "Outputs alpha above 1 and colour above 1: composed as clamped, never brighter.",
  "ISFVSN": "2",
  "INPUTS": [{"NAME": "gain", "TYPE": "float", "DEFAULT": 2.0, "MIN": 0.0, "MAX": 4.0}]
}*/

void main() {
    vec2 p = isf_FragNormCoord;
    vec3 colour = vec3(0.4, 0.25 + 0.5 * p.x, 0.6 * p.y);
    float alpha = p.y < 0.5 ? gain : 0.5 + p.x;
    gl_FragColor = vec4(p.x > 0.8 ? colour * 1.8 : colour, alpha);
}
