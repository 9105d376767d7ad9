package io.chatapp.transport.socket.client;

import io.chatapp.transport.socket.codec.Frame;
import io.chatapp.transport.socket.codec.LeanState;
import io.chatapp.transport.socket.codec.WireWriter;
import java.util.Arrays;

/**
 * Frames encoded back to back for a {@link ClientCarrier}, with where each ends, so that a
 * carrier of messages sends one message per frame while a stream writes them all at once.
 *
 * <p>Not thread-safe; its owner guards it.
 */
final class OutgoingFrames {
  private final WireWriter writer = new WireWriter(1024);
  private int[] ends = new int[16];
  private int count;

  /** Writes later frames in the connection's version, with its state of version 3 if any. */
  void version(int version, LeanState lean) {
    writer.version(version, lean);
  }

  /** Encodes a whole frame after the others; as {@link WireWriter#write}. */
  void write(Frame frame) {
    writer.write(frame);
    if (count == ends.length) {
      ends = Arrays.copyOf(ends, 2 * count);
    }
    ends[count++] = writer.size();
  }

  /** Returns the length field of the frame written last. */
  int lastFrameLength() {
    return writer.lastFrameLength();
  }

  /** Returns the number of frames held. */
  int frames() {
    return count;
  }

  /** Returns the number of bytes held. */
  int size() {
    return writer.size();
  }

  /** Drops the frames after the first {@code newSize} bytes, which is where one ended. */
  void truncate(int newSize) {
    writer.truncate(newSize);
    while (count > 0 && ends[count - 1] > newSize) {
      count--;
    }
  }

  /** Hands the frames to the carrier, blocking until it took them. */
  void writeTo(ClientCarrier carrier) throws java.io.IOException {
    carrier.write(writer.view().array(), ends, count);
  }

  /** Returns the frames as one buffer over the held bytes, for a channel's write. */
  java.nio.ByteBuffer bytes() {
    return writer.view();
  }

  /** Empties it and keeps the arrays. */
  void clear() {
    writer.clear();
    count = 0;
  }
}
