/*{
  "DESCRIPTION": "Fondu: the default scene transition, a crossfade eased in and out.",
  "INPUTS": []
}*/

void main() {
    float t = smoothstep(0.0, 1.0, progress);
    gl_FragColor = mix(texture(startImage, uv), texture(endImage, uv), t);
}
