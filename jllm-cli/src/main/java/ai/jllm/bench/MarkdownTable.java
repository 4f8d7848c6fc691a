package ai.jllm.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Markdown table with padded columns, readable in a terminal and pasteable into BENCHMARKS.md. Columns after the
 * first are right-aligned (they hold figures).
 */
public final class MarkdownTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public MarkdownTable(String... header) {
        this.header = List.of(header);
    }

    public MarkdownTable row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + header.size()
                    + " columns");
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object cell : cells) {
            row.add(String.valueOf(cell));
        }
        rows.add(row);
        return this;
    }

    /** A figure with a sensible number of decimals for its size: 1234, 12.3, 1.23, 0.123. */
    public static String figure(double value) {
        double magnitude = Math.abs(value);
        String pattern = magnitude >= 100 || value == 0 ? "%.0f" : magnitude >= 10 ? "%.1f" : magnitude >= 1
                ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, value);
    }

    public String render() {
        int[] widths = new int[header.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = Math.max(3, header.get(c).length());
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, header, widths);
        out.append('|');
        for (int c = 0; c < widths.length; c++) {
            out.append(c == 0 ? "-".repeat(widths[c] + 2) : "-".repeat(widths[c] + 1) + ":").append('|');
        }
        out.append('\n');
        for (List<String> row : rows) {
            line(out, row, widths);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] widths) {
        out.append('|');
        for (int c = 0; c < widths.length; c++) {
            String cell = cells.get(c);
            String padding = " ".repeat(widths[c] - cell.length());
            out.append(' ').append(c == 0 ? cell + padding : padding + cell).append(" |");
        }
        out.append('\n');
    }
}
