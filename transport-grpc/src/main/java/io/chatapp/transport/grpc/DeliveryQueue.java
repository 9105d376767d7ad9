package io.chatapp.transport.grpc;

import io.chatapp.api.Carbon;
import io.chatapp.api.ChatEvent;
import io.chatapp.api.Message;
import io.chatapp.api.Receipt;
import io.chatapp.transport.grpc.proto.Delivery;
import io.chatapp.transport.grpc.proto.SubscribeResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@link DeliveryStream} holds for its client: messages and live events in the order
 * they are to be sent, with the budget's estimate of their bytes, and how they are cut into
 * responses: a run of messages into one {@code Delivery} of at most
 * {@link DeliveryStream#MAX_MESSAGES_PER_RESPONSE} messages and
 * {@link DeliveryStream#MAX_RESPONSE_BYTES} (unless one message is larger), an event into a
 * response of its own. It reserves nothing itself: the stream reserves from and releases to
 * the {@link OutboundBudget} the bytes that this queue counts.
 *
 * <p>Not thread-safe; used under the lock of its stream.
 */
final class DeliveryQueue {
  /** One response's worth taken from the queue, with the bytes it held. */
  record Taken(Object items, long bytes) {
    /**
     * Builds the response: a {@code Delivery} of the messages, or the event.
     *
     * @param names the names a lean stream told so far, or {@code null} for a stream of whole
     *     messages; responses must be built in the order they are sent
     */
    @SuppressWarnings("unchecked")
    SubscribeResponse toResponse(StreamNames names) {
      if (names != null && items instanceof Receipt r) {
        return names.toProto(r);
      }
      if (items instanceof ChatEvent event) {
        return ProtoEvents.toProto(event);
      }
      Delivery.Builder delivery = Delivery.newBuilder();
      for (Message m : (List<Message>) items) {
        delivery.addMessages(names == null ? ProtoRecords.toProto(m) : names.toProto(m));
      }
      return SubscribeResponse.newBuilder().setDelivery(delivery).build();
    }
  }

  private final ArrayDeque<Object> items = new ArrayDeque<>(); // Message or ChatEvent
  private long bytes;

  /** The budget's estimate of an item: a message, or an event (a carbon holds a message). */
  static long estimatedBytes(Object item) {
    if (item instanceof Message m) {
      return OutboundBudget.estimatedBytes(m);
    }
    if (item instanceof Carbon c) {
      return OutboundBudget.estimatedBytes(c.message()) + 64;
    }
    // A receipt, presence, typing notice or withdrawal: a name, two or three numbers.
    return 256;
  }

  /** The budget's estimate of several items. */
  static long estimatedBytes(List<?> items) {
    long total = 0;
    for (Object item : items) {
      total += estimatedBytes(item);
    }
    return total;
  }

  /** Adds items (messages or events) whose estimate is {@code totalBytes}. */
  void addAll(List<?> added, long totalBytes) {
    items.addAll(added);
    bytes += totalBytes;
  }

  int size() {
    return items.size();
  }

  boolean isEmpty() {
    return items.isEmpty();
  }

  /** The estimated bytes of what the queue holds. */
  long bytes() {
    return bytes;
  }

  /**
   * Empties the queue.
   *
   * @return the estimated bytes it held, to release
   */
  long clear() {
    long held = bytes;
    items.clear();
    bytes = 0;
    return held;
  }

  /**
   * Takes what the next response carries: the event at the head, or the messages before the
   * next event, bounded in count and bytes.
   *
   * @return the items and their bytes; the queue must not be empty
   */
  Taken take() {
    if (items.peekFirst() instanceof ChatEvent event) {
      items.pollFirst();
      long taken = estimatedBytes(event);
      bytes -= taken;
      return new Taken(event, taken);
    }
    // Bounded in count and in bytes: a response is written whenever the stream is ready, so its
    // size is what gRPC may hold beyond its 32 KiB ready threshold for a client that stops reading.
    List<Message> batch = new ArrayList<>(Math.min(items.size(), DeliveryStream.MAX_MESSAGES_PER_RESPONSE));
    long taken = 0;
    while (items.peekFirst() instanceof Message head && batch.size() < DeliveryStream.MAX_MESSAGES_PER_RESPONSE) {
      long next = OutboundBudget.estimatedBytes(head);
      if (!batch.isEmpty() && taken + next > DeliveryStream.MAX_RESPONSE_BYTES) {
        break;
      }
      batch.add((Message) items.pollFirst());
      taken += next;
    }
    bytes -= taken;
    return new Taken(batch, taken);
  }
}
