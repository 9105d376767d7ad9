/**
 * The pure codec of the socket protocol (docs/PROTOCOL.md): frames to records and back, no
 * sockets and no threads.
 *
 * <p>Entry points: {@link io.chatapp.transport.socket.codec.FrameDecoder} (incremental: bytes to
 * {@link io.chatapp.transport.socket.codec.Frame} records, "not yet" until a whole frame is
 * buffered), {@link io.chatapp.transport.socket.codec.WireWriter} (records to bytes, appended to
 * a reusable growable buffer) and {@link io.chatapp.transport.socket.codec.Opcode}. Error codes,
 * reasons and retry times cross the wire only through
 * {@link io.chatapp.transport.socket.codec.WireErrors}.
 *
 * <p>Versions: each connection speaks one protocol version, chosen in its handshake by
 * {@link io.chatapp.transport.socket.codec.Versions}. Decoder and writer are made for a version
 * and read and write its layouts; the frames version 2 adds are in
 * {@link io.chatapp.transport.socket.codec.FramesV2}, and events become push frames in
 * {@link io.chatapp.transport.socket.codec.EventFrames}. Version 3's lean frames and header are in
 * {@link io.chatapp.transport.socket.codec.FramesV3}; what a connection of version 3 remembers
 * between frames (epoch, name table, client message id prefix), one per direction, is a
 * {@link io.chatapp.transport.socket.codec.LeanState} shared by that direction's writers or held
 * by its decoder.
 *
 * <p>This package is public only so that the server and client packages of this module can share
 * it; it is not part of chatapp's API and may change without notice. It depends on the JDK and
 * {@code io.chatapp.api} only.
 */
package io.chatapp.transport.socket.codec;
