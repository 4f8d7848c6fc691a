package ai.jllm.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * What a split does with the delimiters it finds ({@code behavior} of {@code Split}): each variant turns the
 * alternating list of matched and unmatched segments into the pieces that are kept.
 */
enum SplitBehavior {
    REMOVED("Removed"),
    ISOLATED("Isolated"),
    MERGED_WITH_PREVIOUS("MergedWithPrevious"),
    MERGED_WITH_NEXT("MergedWithNext"),
    CONTIGUOUS("Contiguous");

    /** A stretch {@code [start, end)} of the text and whether the pattern matched it. */
    record Segment(int start, int end, boolean match) {}

    private final String jsonName;

    SplitBehavior(String jsonName) {
        this.jsonName = jsonName;
    }

    String jsonName() {
        return jsonName;
    }

    /** The pieces to keep, as {@code [start, end)} ranges; empty ranges are dropped later. */
    List<Segment> apply(List<Segment> segments) {
        return switch (this) {
            case ISOLATED -> segments;
            case REMOVED -> segments.stream().filter(segment -> !segment.match()).toList();
            case CONTIGUOUS -> contiguous(segments);
            case MERGED_WITH_PREVIOUS -> mergedWithPrevious(segments);
            case MERGED_WITH_NEXT -> mergedWithNext(segments);
        };
    }

    private static List<Segment> contiguous(List<Segment> segments) {
        List<Segment> kept = new ArrayList<>(segments.size());
        boolean previousMatch = false;
        for (Segment segment : segments) {
            if (segment.match() == previousMatch && !kept.isEmpty()) {
                Segment last = kept.removeLast();
                kept.add(new Segment(last.start(), segment.end(), false));
            } else {
                kept.add(new Segment(segment.start(), segment.end(), false));
            }
            previousMatch = segment.match();
        }
        return kept;
    }

    private static List<Segment> mergedWithPrevious(List<Segment> segments) {
        List<Segment> kept = new ArrayList<>(segments.size());
        boolean previousMatch = false;
        for (Segment segment : segments) {
            if (segment.match() && !previousMatch && !kept.isEmpty()) {
                Segment last = kept.removeLast();
                kept.add(new Segment(last.start(), segment.end(), false));
            } else {
                kept.add(new Segment(segment.start(), segment.end(), false));
            }
            previousMatch = segment.match();
        }
        return kept;
    }

    private static List<Segment> mergedWithNext(List<Segment> segments) {
        List<Segment> reversed = new ArrayList<>(segments.size());
        boolean previousMatch = false;
        for (Segment segment : segments.reversed()) {
            if (segment.match() && !previousMatch && !reversed.isEmpty()) {
                Segment last = reversed.removeLast();
                reversed.add(new Segment(segment.start(), last.end(), false));
            } else {
                reversed.add(new Segment(segment.start(), segment.end(), false));
            }
            previousMatch = segment.match();
        }
        return reversed.reversed();
    }
}
