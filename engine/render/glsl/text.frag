#version 330 core
in vec2 v_tex;
in vec4 v_color;
uniform sampler2D atlas;
uniform float opacity;
out vec4 colour;

void main() {
    float coverage = texture(atlas, v_tex).r;
    float a = coverage * v_color.a * opacity;
    colour = vec4(v_color.rgb * a, a);
}
