#version 330 core
in vec4 v_colour;
in float v_across;
uniform float opacity;
out vec4 colour;

void main() {
    float a = v_colour.a * opacity * (1.0 - smoothstep(0.6, 1.0, abs(v_across)));
    colour = vec4(v_colour.rgb * a, a);
}
