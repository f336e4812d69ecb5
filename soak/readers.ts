import type { Hono } from 'hono';
import type { DeliverySlot } from '../functions/model/subscribers.ts';
import type { TopicId } from '../functions/model/topics.ts';
import type { WorldModel } from './model/world-model.ts';
import type { DeliveredEmail } from './outside/ses-gateway.ts';
import type { Person } from './world/population.ts';

/**
 * The readers' hands: what a person does in a browser or a mail client, as HTTP requests to
 * the real Hono app (the same one API Gateway runs). Each request carries the person's own IP
 * (the API limits mail requests per IP). The model learns of a change only once the system has
 * answered it, at the simulated moment of the answer.
 */

export interface ReaderActions {
  /** POST /subscribe. True when the request reached the system (202), false to try again later. */
  subscribe(person: Person, topics: readonly TopicId[], at: number): Promise<boolean>;
  /** GET the link of the confirmation email. */
  confirm(person: Person, email: DeliveredEmail, at: number): Promise<void>;
  /** RFC 8058 one-click: POST the List-Unsubscribe URL of a digest. */
  unsubscribe(person: Person, email: DeliveredEmail, at: number): Promise<void>;
  /** POST /preferences from the digest's manage link with other topics. */
  changeTopics(person: Person, email: DeliveredEmail, topics: readonly TopicId[]): Promise<void>;
  /** POST /preferences from the digest's manage link with another weekday, hour or zone. */
  changeSlot(person: Person, email: DeliveredEmail, slot: DeliverySlot, at: number): Promise<void>;
  readonly failures: string[];
}

export function readerActions(api: Hono, model: WorldModel): ReaderActions {
  const failures: string[] = [];
  const call = (person: Person, link: string, init: RequestInit = {}) => {
    const url = new URL(link, 'http://soak.invalid');
    return api.request(`${url.pathname}${url.search}`, {
      ...init,
      headers: { accept: 'application/json', 'x-soak-client-ip': person.ip, ...init.headers },
    });
  };
  const note = (what: string, response: Response) =>
    failures.length < 20 && failures.push(`${what}: HTTP ${response.status}`);

  return {
    failures,
    async subscribe(person, topics, at) {
      const { slot } = person;
      const response = await call(person, '/subscribe', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: person.email,
          topics,
          weekday: slot.weekday,
          hour: slot.hour,
          timezone: slot.timeZone,
        }),
      });
      if (response.status === 202) {
        model.subscribed(person.email, topics, slot, at);
        return true;
      }
      // A 5xx: the pending record may exist, the confirmation email did not go. They try again.
      if (response.status >= 500) {
        model.subscribed(person.email, topics, slot, at);
        return false;
      }
      note(`subscribe ${person.email}`, response);
      return false;
    },
    async confirm(person, email, at) {
      if (!email.confirmUrl) return void failures.push(`confirmation to ${person.email} holds no link`);
      const response = await call(person, email.confirmUrl);
      if (response.status === 200) model.confirmed(person.email, at);
      // 400: no longer pending (the confirmation bounced and the address was suppressed).
      else if (response.status !== 400) note(`confirm ${person.email}`, response);
    },
    async unsubscribe(person, email, at) {
      if (!email.unsubscribeUrl)
        return void failures.push(`digest to ${person.email} holds no unsubscribe link`);
      const response = await call(person, email.unsubscribeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      if (response.status === 200) model.unsubscribed(person.email, at);
      else note(`unsubscribe ${person.email}`, response);
    },
    async changeTopics(person, email, topics) {
      if (!email.manageUrl) return void failures.push(`digest to ${person.email} holds no manage link`);
      const manage = new URL(email.manageUrl);
      const response = await call(person, `/preferences${manage.search}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topics }),
      });
      if (response.status === 200) model.topicsChanged(person.email, topics);
      // 400/404: they left meanwhile (a bounce or complaint); their link no longer changes anything.
      else if (response.status >= 500) note(`preferences ${person.email}`, response);
    },
    async changeSlot(person, email, slot, at) {
      if (!email.manageUrl) return void failures.push(`digest to ${person.email} holds no manage link`);
      const manage = new URL(email.manageUrl);
      const response = await call(person, `/preferences${manage.search}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // The form sends the topics with the slot: the reader keeps the ones they have.
        body: JSON.stringify({
          topics: model.reader(person.email).topics,
          weekday: slot.weekday,
          hour: slot.hour,
          timezone: slot.timeZone,
        }),
      });
      if (response.status === 200) model.slotChanged(person.email, slot, at);
      else if (response.status >= 500) note(`preferences ${person.email}`, response);
    },
  };
}
