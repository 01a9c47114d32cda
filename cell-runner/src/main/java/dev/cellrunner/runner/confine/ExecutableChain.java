package dev.cellrunner.runner.confine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files the kernel executes to start a program: the program itself, the interpreter named by a
 * {@code #!} line, and the ELF interpreter (dynamic loader) of each binary. The workload is started
 * from the landlocked launch thread, so each of them needs EXECUTE.
 */
public final class ExecutableChain {
    /** The kernel follows at most this many interpreters (BINPRM_MAX_RECURSION). */
    private static final int MAX_DEPTH = 5;
    private static final int PT_INTERP = 3;
    private static final int HEADER_BYTES = 256;

    private ExecutableChain() {
    }

    public static List<Path> of(Path executable) throws IOException {
        List<Path> chain = new ArrayList<>();
        Path next = executable;
        for (int depth = 0; next != null && depth < MAX_DEPTH; depth++) {
            chain.add(next);
            Optional<Path> elfInterpreter = elfInterpreter(next);
            if (elfInterpreter.isPresent()) {
                chain.add(elfInterpreter.get());
                break;
            }
            next = scriptInterpreter(next).orElse(null);
        }
        return chain;
    }

    /** The path after {@code #!}, if the file is a script. */
    static Optional<Path> scriptInterpreter(Path file) throws IOException {
        byte[] head = read(file, 0, HEADER_BYTES);
        if (head.length < 3 || head[0] != '#' || head[1] != '!') {
            return Optional.empty();
        }
        String line = new String(head, 2, head.length - 2, StandardCharsets.UTF_8).split("\n", 2)[0].strip();
        String interpreter = line.split("[ \t]", 2)[0];
        return interpreter.startsWith("/") ? Optional.of(Path.of(interpreter)) : Optional.empty();
    }

    /** PT_INTERP of a little-endian ELF file (32 or 64 bit), if it has one. */
    static Optional<Path> elfInterpreter(Path file) throws IOException {
        ByteBuffer header = ByteBuffer.wrap(read(file, 0, 64)).order(ByteOrder.LITTLE_ENDIAN);
        if (header.limit() < 52 || header.getInt(0) != 0x464c457f) {
            return Optional.empty();
        }
        boolean is64 = header.get(4) == 2;
        long phoff = is64 ? header.getLong(32) : Integer.toUnsignedLong(header.getInt(28));
        int phentsize = Short.toUnsignedInt(header.getShort(is64 ? 54 : 42));
        int phnum = Short.toUnsignedInt(header.getShort(is64 ? 56 : 44));
        for (int i = 0; i < phnum; i++) {
            ByteBuffer ph = ByteBuffer.wrap(read(file, phoff + (long) i * phentsize, phentsize))
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (ph.limit() < phentsize || ph.getInt(0) != PT_INTERP) {
                continue;
            }
            long offset = is64 ? ph.getLong(8) : Integer.toUnsignedLong(ph.getInt(4));
            long size = is64 ? ph.getLong(32) : Integer.toUnsignedLong(ph.getInt(16));
            byte[] path = read(file, offset, (int) Math.min(size, 4096));
            int end = 0;
            while (end < path.length && path[end] != 0) {
                end++;
            }
            return Optional.of(Path.of(new String(path, 0, end, StandardCharsets.UTF_8)));
        }
        return Optional.empty();
    }

    private static byte[] read(Path file, long offset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                // keep reading until the buffer is full or the file ends
            }
            byte[] bytes = new byte[buffer.position()];
            buffer.flip().get(bytes);
            return bytes;
        }
    }
}
