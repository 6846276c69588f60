import { type InboundMessage } from '@koji-farm/messaging';
import { HEADERS } from '@koji-farm/contracts';
import { deliveryInfo } from './delivery-info';

function message(headers: Record<string, unknown>, deliveryCount: number): InboundMessage {
  return { headers, deliveryCount } as unknown as InboundMessage;
}

describe(deliveryInfo.name, () => {
  it('numbers attempts by delivery count for a task published once', () => {
    expect(deliveryInfo(message({}, 0), 5)).toEqual({ generation: 1, deliveryCount: 0, attempt: 1 });
    expect(deliveryInfo(message({ [HEADERS.generation]: 1 }, 3), 5)).toEqual({
      generation: 1,
      deliveryCount: 3,
      attempt: 4,
    });
  });

  it('keeps attempts of a reissued task (a new generation) above every attempt of the earlier ones', () => {
    const lastOfFirst = deliveryInfo(message({ [HEADERS.generation]: 1 }, 5), 5).attempt;
    const firstOfSecond = deliveryInfo(message({ [HEADERS.generation]: 2 }, 0), 5).attempt;
    expect(lastOfFirst).toBe(6);
    expect(firstOfSecond).toBe(7);
  });

  it('treats a malformed generation as the first', () => {
    expect(deliveryInfo(message({ [HEADERS.generation]: 'x' }, 0), 5).generation).toBe(1);
  });
});
