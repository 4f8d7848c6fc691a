package ai.jllm.server;

/** OpenAI's {@code stream} and {@code stream_options}: whether to stream, and whether a usage chunk ends it. */
record StreamOptions(boolean stream, boolean includeUsage) {

    static StreamOptions parse(Fields request) {
        boolean stream = request.bool("stream").orElse(false);
        var options = request.object("stream_options");
        if (options.isEmpty()) {
            return new StreamOptions(stream, false);
        }
        if (!stream) {
            throw ApiException.badRequest("stream_options", "'stream_options' needs 'stream': true");
        }
        Fields fields = Fields.of(options.get(), "stream_options");
        if (fields.bool("continuous_usage_stats").orElse(false)) {
            throw ApiException.unsupported(fields.param("continuous_usage_stats"),
                    "'continuous_usage_stats' is not supported; use include_usage");
        }
        return new StreamOptions(true, fields.bool("include_usage").orElse(false));
    }
}
