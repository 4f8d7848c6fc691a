package ai.jllm.template;

import java.util.AbstractList;
import java.util.List;

/** Python's {@code range(start, stop, step)}: a lazy sequence of integers that prints as {@code range(0, 3)}. */
final class PyRange {

    /** jinja2's sandbox refuses ranges longer than this, so a template cannot make the renderer spin. */
    static final long MAX_LENGTH = 100_000;

    private final long start;
    private final long stop;
    private final long step;
    private final int size;

    PyRange(long start, long stop, long step) {
        if (step == 0) {
            throw TemplateError.of("range() arg 3 must not be zero");
        }
        long count = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        if (count > MAX_LENGTH) {
            throw TemplateError.of("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
        }
        this.start = start;
        this.stop = stop;
        this.step = step;
        this.size = (int) Math.max(0, count);
    }

    int size() {
        return size;
    }

    List<Object> asList() {
        return new AbstractList<>() {
            @Override
            public Object get(int index) {
                return start + step * index;
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    @Override
    public String toString() {
        return "range(" + start + ", " + stop + (step == 1 ? "" : ", " + step) + ")";
    }
}
