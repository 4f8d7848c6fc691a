package ai.jllm.server.metrics;

import java.util.Map;

/**
 * Writes metrics in the Prometheus text exposition format (version 0.0.4): a HELP and a TYPE line per family, then
 * one sample per line.
 */
public final class PrometheusText {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(4096);

    public PrometheusText counter(String name, String help, double value) {
        header(name, help, "counter");
        sample(name, Map.of(), value);
        return this;
    }

    /** A counter family with one sample per label set. */
    public PrometheusText counters(String name, String help, Map<Map<String, String>, Double> values) {
        header(name, help, "counter");
        values.forEach((labels, value) -> sample(name, labels, value));
        return this;
    }

    public PrometheusText gauge(String name, String help, double value) {
        header(name, help, "gauge");
        sample(name, Map.of(), value);
        return this;
    }

    /** A gauge family with one sample per label set. */
    public PrometheusText gauges(String name, String help, Map<Map<String, String>, Double> values) {
        header(name, help, "gauge");
        values.forEach((labels, value) -> sample(name, labels, value));
        return this;
    }

    public PrometheusText histogram(String name, String help, Histogram histogram) {
        header(name, help, "histogram");
        // Counts first: a concurrent observation then shows in _sum at worst, never as a bucket above _count.
        long[] cumulative = histogram.cumulativeCounts();
        double[] bounds = histogram.upperBounds();
        for (int i = 0; i < bounds.length; i++) {
            sample(name + "_bucket", Map.of("le", number(bounds[i])), cumulative[i]);
        }
        long count = cumulative[cumulative.length - 1];
        sample(name + "_bucket", Map.of("le", "+Inf"), count);
        sample(name + "_sum", Map.of(), histogram.sum());
        sample(name + "_count", Map.of(), count);
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void header(String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, Map<String, String> labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> label : new java.util.TreeMap<>(labels).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(label.getKey()).append("=\"").append(escape(label.getValue())).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
    }

    private static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }
}
