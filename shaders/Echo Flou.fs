/*{
  "DESCRIPTION": "A blurred echo of what is below that lingers: blur at a quarter size, then a persistent trail.",
  "CREDIT": "Carte sensible",
  "ISFVSN": "2",
  "CATEGORIES": ["Blur", "Feedback"],
  "INPUTS": [
    {"NAME": "inputImage", "TYPE": "image"},
    {"NAME": "linger", "TYPE": "float", "DEFAULT": 0.85, "MIN": 0.0, "MAX": 0.98, "LABEL": "Linger"},
    {"NAME": "amount", "TYPE": "float", "DEFAULT": 0.6, "MIN": 0.0, "MAX": 1.0, "LABEL": "Echo"},
    {"NAME": "drift", "TYPE": "point2D", "DEFAULT": [0.0, 0.002], "MIN": [-0.02, -0.02],
     "MAX": [0.02, 0.02], "LABEL": "Drift"}
  ],
  "PASSES": [
    {"TARGET": "soft", "WIDTH": "$WIDTH / 4.0", "HEIGHT": "$HEIGHT / 4.0"},
    {"TARGET": "trail", "PERSISTENT": true, "WIDTH": "$WIDTH / 2.0", "HEIGHT": "$HEIGHT / 2.0"},
    {}
  ]
}*/

void main() {
    vec2 uv0 = isf_FragNormCoord;
    if (PASSINDEX == 0) {
        vec2 stride = 1.5 / IMG_SIZE(inputImage) * 4.0;
        vec4 sum = vec4(0.0);
        for (int i = -2; i <= 2; i++) {
            for (int j = -2; j <= 2; j++) {
                sum += IMG_NORM_PIXEL(inputImage, uv0 + vec2(i, j) * stride);
            }
        }
        gl_FragColor = sum / 25.0;
    } else if (PASSINDEX == 1) {
        vec4 old = IMG_NORM_PIXEL(trail, uv0 - drift);
        vec4 now = IMG_NORM_PIXEL(soft, uv0);
        gl_FragColor = max(now, old * linger);
    } else {
        vec4 sharp = IMG_THIS_PIXEL(inputImage);
        vec4 echo = IMG_NORM_PIXEL(trail, uv0);
        gl_FragColor = vec4(max(sharp.rgb, echo.rgb * amount), 1.0);
    }
}
