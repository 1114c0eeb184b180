#version 330 core
in vec2 v_uv;
uniform sampler2D card;
uniform float opacity;
out vec4 colour;

void main() {
    vec4 texel = texture(card, v_uv);
    float a = texel.a * opacity;
    colour = vec4(texel.rgb * a, a);
}
