package ai.jllm.template;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * Python's {@code datetime.now().strftime(format)} in the C locale, which Hugging Face exposes to templates
 * as {@code strftime_now}. The datetime is naive, so %z and %Z are empty.
 */
final class StrfTime {

    private StrfTime() {}

    static String format(String format, LocalDateTime time) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            switch (directive) {
                case 'a' -> out.append(time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> out.append(time.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'b', 'h' -> out.append(time.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> out.append(time.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'c' -> out.append(format("%a %b %e %H:%M:%S %Y", time));
                case 'C' -> out.append(pad(time.getYear() / 100, 2));
                case 'd' -> out.append(pad(time.getDayOfMonth(), 2));
                case 'D', 'x' -> out.append(format("%m/%d/%y", time));
                case 'e' -> out.append(String.format("%2d", time.getDayOfMonth()));
                case 'f' -> out.append(pad(time.getNano() / 1000, 6));
                case 'F' -> out.append(format("%Y-%m-%d", time));
                case 'G' -> out.append(time.get(IsoFields.WEEK_BASED_YEAR));
                case 'H' -> out.append(pad(time.getHour(), 2));
                case 'I' -> out.append(pad(time.getHour() % 12 == 0 ? 12 : time.getHour() % 12, 2));
                case 'j' -> out.append(pad(time.getDayOfYear(), 3));
                case 'm' -> out.append(pad(time.getMonthValue(), 2));
                case 'M' -> out.append(pad(time.getMinute(), 2));
                case 'n' -> out.append('\n');
                case 'p' -> out.append(time.getHour() < 12 ? "AM" : "PM");
                case 'R' -> out.append(format("%H:%M", time));
                case 'S' -> out.append(pad(time.getSecond(), 2));
                case 't' -> out.append('\t');
                case 'T', 'X' -> out.append(format("%H:%M:%S", time));
                case 'u' -> out.append(time.getDayOfWeek().getValue());
                case 'U' -> out.append(pad((time.getDayOfYear() + 6 - time.getDayOfWeek().getValue() % 7) / 7, 2));
                case 'V' -> out.append(pad(time.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2));
                case 'w' -> out.append(time.getDayOfWeek().getValue() % 7);
                case 'W' -> out.append(pad((time.getDayOfYear() + 6 - (time.getDayOfWeek().getValue() + 6) % 7) / 7, 2));
                case 'y' -> out.append(pad(time.getYear() % 100, 2));
                case 'Y' -> out.append(time.get(ChronoField.YEAR));
                case 'z', 'Z' -> { }
                case '%' -> out.append('%');
                default -> out.append('%').append(directive);
            }
        }
        return out.toString();
    }

    private static String pad(int value, int width) {
        String digits = Integer.toString(value);
        return "0".repeat(Math.max(0, width - digits.length())) + digits;
    }
}
