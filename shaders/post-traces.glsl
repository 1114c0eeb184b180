/*{
  "DESCRIPTION": "Traces: post effect — feedback trails, each frame keeps a fading echo of the last one, drifting slowly.",
  "INPUTS": [
    {"NAME": "persistence", "TYPE": "float", "DEFAULT": 0.85, "MIN": 0.0, "MAX": 0.98, "LABEL": "Persistence"},
    {"NAME": "flow",        "TYPE": "point2D", "DEFAULT": [0.0, 0.0004], "LABEL": "Drift of the echo"}
  ]
}*/

void main() {
    vec3 now = texture(inputImage, uv).rgb;
    vec3 echo = texture(previousFrame, uv - flow).rgb * persistence;
    gl_FragColor = vec4(max(now, echo), 1.0);
}
