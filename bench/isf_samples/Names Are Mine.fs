/*{
  "DESCRIPTION": "An input named like a built-in (audioLevel) and a persistent buffer named time: both the artist's.",
  "ISFVSN": "2",
  "INPUTS": [
    {"NAME": "audioLevel", "TYPE": "float", "DEFAULT": 0.7, "MIN": 0.0, "MAX": 1.0}
  ],
  "PASSES": [{"TARGET": "time", "PERSISTENT": true}, {}]
}*/

const float delta = 0.05;  // a constant of the artist's, named like a carte built-in

void main() {
    vec2 p = isf_FragNormCoord;
    if (PASSINDEX == 0) {
        gl_FragColor = vec4(step(abs(p.x - 0.3), delta), p.y, 0.3, 1.0);
    } else {
        vec4 memory = IMG_NORM_PIXEL(time, p);
        float bar = step(p.x, audioLevel) * step(abs(p.y - 0.5 - 0.1 * sin(TIME)), 0.1);
        gl_FragColor = vec4(max(memory.r, bar), memory.g * 0.5, memory.b + bar * 0.5, 1.0);
    }
}
