import { describeArticleReaderContract, storedArticle } from '../contracts/article-reader.contract.ts';
import { describeDeliveryLedgerContract } from '../contracts/delivery-ledger.contract.ts';
import { describeSubscriberStoreContract } from '../contracts/subscriber-store.contract.ts';
import { FakeArticleStore, FakeLedger, FakeSubscriberStore } from '../../testkit/fakes.ts';

/**
 * The in-memory fakes the unit tests run on, held to the contracts the DynamoDB adapters pass on
 * dynalite (test/integration/store-contracts.test.ts).
 */

describeDeliveryLedgerContract('in-memory fake', () => new FakeLedger());

describeSubscriberStoreContract('in-memory fake', () => new FakeSubscriberStore());

describeArticleReaderContract('in-memory fake', () => {
  const fake = new FakeArticleStore();
  return {
    reader: fake,
    store: async (candidates, firstSeenAt) => {
      const articles = candidates.map((candidate) =>
        storedArticle(`article-${candidate.identityKeys[0]}`, candidate, firstSeenAt),
      );
      fake.add(...articles);
      return articles.map((article) => article.id);
    },
  };
});
