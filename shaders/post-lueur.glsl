/*{
  "DESCRIPTION": "Lueur: post effect — a soft bloom around what is bright, a touch of film grain and a colour grade (lift, gain, saturation, warmth).",
  "INPUTS": [
    {"NAME": "bloom",      "TYPE": "float", "DEFAULT": 0.35, "MIN": 0.0, "MAX": 1.5, "LABEL": "Bloom"},
    {"NAME": "threshold",  "TYPE": "float", "DEFAULT": 0.55, "MIN": 0.0, "MAX": 1.0, "LABEL": "Bloom threshold"},
    {"NAME": "grain",      "TYPE": "float", "DEFAULT": 0.03, "MIN": 0.0, "MAX": 0.2, "LABEL": "Grain"},
    {"NAME": "saturation", "TYPE": "float", "DEFAULT": 1.0,  "MIN": 0.0, "MAX": 2.0, "LABEL": "Saturation"},
    {"NAME": "warmth",     "TYPE": "float", "DEFAULT": 0.0,  "MIN": -1.0, "MAX": 1.0, "LABEL": "Warmth"},
    {"NAME": "lift",       "TYPE": "float", "DEFAULT": 0.0,  "MIN": -0.2, "MAX": 0.2, "LABEL": "Lift"},
    {"NAME": "gain",       "TYPE": "float", "DEFAULT": 1.0,  "MIN": 0.5, "MAX": 1.5, "LABEL": "Gain"}
  ]
}*/

// Bloom reads the mipmaps of what is below: a few taps of a blurred copy are enough.
vec3 glow(vec2 at) {
    vec3 sum = vec3(0.0);
    for (int level = 2; level <= 5; level++) {
        vec3 c = textureLod(inputImage, at, float(level)).rgb;
        sum += max(c - threshold, 0.0) * (1.0 / float(level));
    }
    return sum;
}

float hash(vec2 p) { return fract(sin(dot(p, vec2(12.9898, 78.233))) * 43758.5453); }

void main() {
    vec3 colour = texture(inputImage, uv).rgb + glow(uv) * bloom;
    float grey = dot(colour, vec3(0.2126, 0.7152, 0.0722));
    colour = mix(vec3(grey), colour, saturation);
    colour *= vec3(1.0 + 0.08 * warmth, 1.0, 1.0 - 0.08 * warmth);
    colour = lift + colour * (gain - lift);
    colour += (hash(uv * resolution + fract(time * 7.0) * 100.0) - 0.5) * grain;
    gl_FragColor = vec4(colour, 1.0);
}
