package ai.jllm.tensor;

import ai.jllm.JllmException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Element types as stored in safetensors files and used by backends. */
public enum DType {
    F64(8, true, "float64"),
    F32(4, true, "float32"),
    F16(2, true, "float16"),
    BF16(2, true, "bfloat16"),
    F8_E4M3(1, true, "float8_e4m3fn"),
    F8_E5M2(1, true, "float8_e5m2"),
    I64(8, false, "int64"),
    I32(4, false, "int32"),
    I16(2, false, "int16"),
    I8(1, false, "int8"),
    U64(8, false, "uint64"),
    U32(4, false, "uint32"),
    U16(2, false, "uint16"),
    U8(1, false, "uint8"),
    BOOL(1, false, "bool");

    private final int byteSize;
    private final boolean floatingPoint;
    private final String torchName;

    DType(int byteSize, boolean floatingPoint, String torchName) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
        this.torchName = torchName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The name a safetensors header uses, e.g. {@code "BF16"}. */
    public String safetensorsName() {
        return name();
    }

    /** The canonical PyTorch name without the {@code torch.} prefix, e.g. {@code "bfloat16"}, as config.json writes it. */
    public String torchName() {
        return torchName;
    }

    /** Parses a safetensors header dtype; the names are case-sensitive, as in the format. */
    public static DType fromSafetensors(String name) {
        for (DType type : values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        throw new JllmException("unsupported safetensors dtype '" + name + "' (supported: " + supportedNames() + ")");
    }

    /**
     * Parses a PyTorch dtype name as written in config.json ({@code torch_dtype} / {@code dtype}), with or without the
     * {@code torch.} prefix, including PyTorch's aliases such as {@code half} and {@code float}.
     */
    public static DType fromTorchDtype(String name) {
        String bare = name.startsWith("torch.") ? name.substring("torch.".length()) : name;
        return switch (bare) {
            case "float", "float32" -> F32;
            case "double", "float64" -> F64;
            case "half", "float16" -> F16;
            case "bfloat16" -> BF16;
            case "float8_e4m3fn" -> F8_E4M3;
            case "float8_e5m2" -> F8_E5M2;
            case "long", "int64" -> I64;
            case "int", "int32" -> I32;
            case "short", "int16" -> I16;
            case "int8" -> I8;
            case "uint64" -> U64;
            case "uint32" -> U32;
            case "uint16" -> U16;
            case "uint8" -> U8;
            case "bool" -> BOOL;
            default -> throw new JllmException("unsupported torch dtype '" + name + "' (supported: "
                    + Arrays.stream(values()).map(DType::torchName).collect(Collectors.joining(", ")) + ")");
        };
    }

    private static String supportedNames() {
        return Arrays.stream(values()).map(DType::safetensorsName).collect(Collectors.joining(", "));
    }
}
