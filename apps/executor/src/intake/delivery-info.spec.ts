import { type InboundMessage } from '@koji-farm/messaging';
import { HEADERS } from '@koji-farm/contracts';
import { deliveryInfo } from './delivery-info';

function message(headers: Record<string, unknown>, deliveryCount: number): InboundMessage {
  return { headers, deliveryCount } as unknown as InboundMessage;
}

describe(deliveryInfo.name, () => {
  it('reads the generation (1 when absent) and the delivery count', () => {
    expect(deliveryInfo(message({}, 0))).toEqual({ generation: 1, deliveryCount: 0 });
    expect(deliveryInfo(message({ [HEADERS.generation]: 3 }, 2))).toEqual({
      generation: 3,
      deliveryCount: 2,
    });
  });

  it('treats a malformed generation as the first', () => {
    expect(deliveryInfo(message({ [HEADERS.generation]: 'x' }, 0)).generation).toBe(1);
    expect(deliveryInfo(message({ [HEADERS.generation]: 0 }, 0)).generation).toBe(1);
  });
});
