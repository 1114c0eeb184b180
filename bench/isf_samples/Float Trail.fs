/*{
  "DESCRIPTION": "A persistent FLOAT buffer accumulating a moving dot, read back by the output pass.",
  "ISFVSN": "2",
  "INPUTS": [{"NAME": "fade", "TYPE": "float", "DEFAULT": 0.75, "MIN": 0.0, "MAX": 1.0}],
  "PASSES": [{"TARGET": "trail", "PERSISTENT": true, "FLOAT": true}, {}]
}*/

void main() {
    vec2 p = isf_FragNormCoord;
    if (PASSINDEX == 0) {
        vec2 dot = vec2(0.2 + 0.2 * float(FRAMEINDEX), 0.5);
        float here = step(distance(p, dot), 0.12);
        gl_FragColor = max(IMG_THIS_PIXEL(trail) * fade, vec4(here, here * 0.5, 0.2, 1.0));
    } else {
        gl_FragColor = vec4(IMG_THIS_PIXEL(trail).rgb, 1.0);
    }
}
