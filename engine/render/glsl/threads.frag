#version 330 core
in float v_across;
in float v_alpha;
uniform vec3 ink;
uniform float opacity;
out vec4 colour;

void main() {
    float a = (1.0 - smoothstep(0.2, 1.0, abs(v_across))) * v_alpha * opacity * 0.5;
    colour = vec4(ink * a, a);
}
