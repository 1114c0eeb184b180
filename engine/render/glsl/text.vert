#version 330 core
// One instance per glyph. Cards live in map space, -1..1 on the short side, and are
// drawn exactly where the layout set them (never larger: their place is their box);
// they fade in, drift slowly and dim as they settle. Their letters show while the
// cards read (the `letters` uniform, eased by the compositor: at the whole view either
// every card reads or none does, so no letter is left half faded); otherwise a card is
// a faint blur of its letters. Labels (names, terms, titles) keep the size they were
// placed at for the whole view. Overlays (born at or below OVERLAY) sit still in NDC.
const float OVERLAY = -1e8;
const float HALO = 0.09;     // ems of halo around every glyph
in vec2 corner;
in vec4 quad;      // x, y, w, h in ems, y down, relative to the anchor
in vec4 tex;       // u0, v0, u1, v1; negative u: a backdrop, not a glyph (v: its strength,
                   // or the layer's backdrop when negative)
in vec4 anchor;    // x, y, size (half the NDC height of an em at zoom 1), born (seconds)
in vec4 color;
in vec2 role;      // x: 0 a card, 1 a pinned card (never settling), 2 a label clear of
                   // cards, 3 a label over cards that do not read (it gives way when they
                   // do); y: a label's em in pixels on 1080 lines at the whole view
uniform vec2 resolution;
uniform float settle_after;  // seconds a new card stays bright
uniform float time;
uniform float drift;
uniform float letters;       // 1: cards read as letters, 0: they give way
uniform vec3 view;           // camera centre x, y and zoom (cards only)
out vec2 v_tex;
out vec4 v_color;
out float v_greek;
out float v_backdrop;
out vec2 v_local;
out vec2 v_size;  // the quad's size in ems (a backdrop's edge is measured in ems)
out float v_em;   // the em in pixels on 1080 lines

void main() {
    vec2 centre = anchor.xy;
    float size = anchor.z;
    float alpha = 1.0;
    v_greek = 0.0;
    v_em = 0.0;
    if (anchor.w > OVERLAY) {
        float bloom = smoothstep(0.0, 1.6, max(time - anchor.w, 0.0));
        float seed = fract(sin(dot(anchor.xy, vec2(12.9898, 78.233))) * 43758.5453) * 6.2831;
        if (role.x < 1.5) {
            centre += drift * vec2(sin(time * 0.07 + seed), cos(time * 0.05 + seed * 1.3));
        }
        centre = (centre - view.xy) * view.z;
        centre.x *= resolution.y / resolution.x;
        float age = max(time - anchor.w, 0.0);
        float settle = role.x > 0.5 ? 0.0 : smoothstep(settle_after, settle_after * 2.5, age);
        size *= view.z;
        v_em = size * 1080.0;
        if (role.x > 1.5) {
            // a label for the whole view: its own size on screen, never larger than the
            // box it was given; gone once the view closes in on the cards around it
            float px = role.y;
            float reserved = size * 1080.0;
            alpha = bloom * (1.0 - smoothstep(px * 2.5, px * 4.0, reserved));
            if (role.x > 2.5) {
                alpha *= 1.0 - letters;
            }
            size *= clamp(px, reserved * 0.45, reserved) / max(reserved, 1e-6);
        } else {
            v_greek = 1.0 - letters;
            alpha = bloom * mix(1.0, 0.9, settle);
        }
    }
    vec2 grown = quad.zw + 2.0 * HALO;
    vec2 pixel = quad.xy - HALO + corner * grown;
    vec2 offset = vec2(pixel.x, -pixel.y) * size * 2.0 * vec2(resolution.y / resolution.x, 1.0);
    gl_Position = vec4(centre + offset, 0.0, 1.0);
    vec2 local = (corner * grown - HALO) / max(quad.zw, vec2(1e-6));
    v_tex = mix(tex.xy, tex.zw, local);
    v_local = local;
    v_size = quad.zw;
    v_backdrop = tex.x < -0.5 ? (tex.y < 0.0 ? -1.0 : tex.y) : 0.0;
    v_color = vec4(color.rgb, color.a * alpha);
}
