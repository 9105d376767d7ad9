package io.chatapp.benchmarks;

import io.chatapp.api.Message;
import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.FrameDecoder;
import io.chatapp.transport.socket.codec.ProtocolException;
import io.chatapp.transport.socket.codec.WireWriter;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The socket protocol's hot frames: encoding a PUSH_MESSAGE (what the server writes per delivered
 * message) into a reused buffer, and decoding a SEND (what it reads per message sent).
 *
 * <p>Not thread-safe; JMH gives each benchmark thread its own state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  /** Text size in bytes. */
  @Param({"100", "1000"})
  public int size;

  private final WireWriter writer = new WireWriter(64 * 1024);
  private Frame.MessagePush push;
  private ByteBuffer sendBytes;
  private FrameDecoder decoder;

  /** Builds the frames once. */
  @Setup
  public void setup() {
    String text = "x".repeat(size);
    push = new Frame.MessagePush(7, new Message(123456789L, "alice", "bob", text,
        Instant.parse("2026-11-26T05:00:00.123456Z"), 42));
    WireWriter w = new WireWriter(256);
    w.write(new Frame.Send(9, "bob", text, null));
    sendBytes = w.view();
    decoder = new FrameDecoder(1 << 20);
  }

  /** Encodes one push frame; the buffer is cleared every 256 frames, as a flush would. */
  @Benchmark
  public int encodePush() {
    if (writer.size() > 60 * 1024) {
      writer.clear();
    }
    return writer.write(push);
  }

  /** Decodes one SEND frame into its record. */
  @Benchmark
  public Frame decodeSend() throws ProtocolException {
    sendBytes.position(0);
    return decoder.decode(sendBytes);
  }
}
