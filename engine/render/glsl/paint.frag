#version 330 core
in vec2 v_uv;
uniform sampler2D paint;
uniform float opacity;
out vec4 colour;

void main() {
    colour = texture(paint, v_uv) * opacity;
}
