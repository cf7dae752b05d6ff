/**
 * @tensorfleet/protocol — the wire between parameter server and workers: message vocabulary, validation,
 * frames (msgpackr control map + raw Float32 tensors viewed in place), HMAC token auth, ws server and client.
 */
export * from './messages.js';
export { ProtocolError, type ProtocolErrorCode } from './errors.js';
export { encodeFrame, decodeFrame, FRAME_MAGIC, FRAME_VERSION, FRAME_HEADER_BYTES, type FrameObject } from './frame.js';
export { TensorFrameWriter, tensorFrameBytes, type FrameInProgress, type ScalarFields, type TensorFrameType } from './frame-writer.js';
export { validateMessage, type ValidationContext } from './validate.js';
export { encodeMessage, decodeMessage, maxPayloadFor } from './codec.js';
export { makeNonce, serverProof, clientResponse, macEquals, NONCE_BYTES } from './auth.js';
export { ServerHandshake, ClientHandshake } from './handshake.js';
export { Admission, type AdmissionLimits } from './admission.js';
export { estimateTokenBits, tokenProblem, generateToken, MIN_TOKEN_BITS } from './token.js';
export { createProtocolServer, ProtocolServer, Peer, CLOSE_POLICY, CLOSE_TOO_LARGE, type ProtocolServerOptions } from './server.js';
export { sendFrameToAll } from './peer-broadcast.js';
export { SharedBroadcastRing, attachSharedBroadcast } from './shared-broadcast.js';
export { SharedFrameChannel, createSharedFrameFile, openSharedFrameFile, sweepSharedFiles, SHARED_FRAME_MIN_BYTES, SHARED_FRAME_SLOTS, type SharedFrameOffer, type SharedMemoryOutcome } from './shared-memory.js';
export { connectProtocolClient, ProtocolClient, backoffDelay, type ProtocolClientOptions, type ReconnectOptions, type RetryInfo } from './client.js';
export { validateTrainJobSpec, trainJobSpecSchema, type TrainJobSpec } from './job.js';
export * from './spec/index.js';
export { dataFilesSchema, DATA_CHUNK_BYTES, type DataFile, type FileChunkMessage, type FileRequestMessage } from './data-files.js';
export { openBlockingCollective, BlockingCollective, type BlockingCollectiveOptions } from './collective/blocking-collective.js';
export * from './run-report/index.js';
