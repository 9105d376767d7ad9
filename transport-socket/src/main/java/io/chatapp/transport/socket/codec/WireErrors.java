package io.chatapp.transport.socket.codec;

import io.chatapp.api.ErrorCode;

/**
 * The one place where {@link ErrorCode}s become wire numbers and back. Immutable.
 */
public final class WireErrors {
  private WireErrors() {}

  /**
   * Returns the u16 written for a code.
   *
   * @param code the code
   * @return its stable wire number
   */
  public static int toWire(ErrorCode code) {
    return code.wireNumber();
  }

  /**
   * Returns the code of a number read from the wire; a number this version does not know becomes
   * {@link ErrorCode#INTERNAL}, never a failure.
   *
   * @param wireNumber the u16 read
   * @return the code
   */
  public static ErrorCode fromWire(int wireNumber) {
    return ErrorCode.fromWireNumber(wireNumber);
  }
}
