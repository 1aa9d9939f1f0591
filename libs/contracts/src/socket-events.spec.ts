import { socketIoRedisKey } from './socket-events';

describe('socketIoRedisKey', () => {
  it("keeps socket.io's default key for the default prefix only", () => {
    expect(socketIoRedisKey('trainyard')).toBe('socket.io');
    expect(socketIoRedisKey('test-1')).toBe('test-1:socket.io');
  });
});
