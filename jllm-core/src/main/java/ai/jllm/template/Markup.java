package ai.jllm.template;

/**
 * A string marked safe by the {@code safe} filter. With autoescape off it prints as itself, but Python's
 * {@code +} with a plain string still HTML-escapes the plain side, which templates can observe.
 */
record Markup(String text) {

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\'' -> out.append("&#39;");
                case '"' -> out.append("&#34;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
