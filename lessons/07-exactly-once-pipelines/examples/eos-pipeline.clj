;; A read-process-write pipeline that crashes in the middle of a transaction
;; (the Clojure twin of eos-pipeline.py).
;;
;; Step 1 writes 200 orders to "orders". Step 2 is the pipeline: for each batch of orders it opens
;; a transaction, writes one invoice per order to "invoices", adds the consumer's new offsets to the
;; same transaction with sendOffsetsToTransaction, and commits. Invoices, offsets: all or nothing.
;; The first instance crashes in its fifth transaction, after its invoices have reached the log but
;; before the commit. The restarted instance uses the same transactional.id: its initTransactions
;; aborts the unfinished transaction, and its consumer resumes from the last committed offsets.
;; The "e-mail" per order is a side effect outside Kafka, which no Kafka transaction can take back.
(ns eos-pipeline
  (:gen-class)
  (:require [clojure.string :as str])
  (:import (java.time Duration)
           (java.util Properties)
           (org.apache.kafka.clients.consumer ConsumerConfig ConsumerRecord ConsumerRecords KafkaConsumer
                                              OffsetAndMetadata)
           (org.apache.kafka.clients.producer Callback KafkaProducer ProducerConfig ProducerRecord RecordMetadata)
           (org.apache.kafka.common TopicPartition)
           (org.apache.kafka.common.serialization StringDeserializer StringSerializer)))

(def bootstrap (System/getenv "BOOTSTRAP_SERVERS"))
(def total 200)
(def batch-size 20)
(def crash-in-transaction 5)
(def idle-millis 3000)

(def emails-sent (atom 0))
(def abandoned (atom []))   ; the crashed instance's producer, transaction still open

(defn say
  "One whole line per call: the producer's callbacks print from its own thread."
  [& parts]
  (.println System/out ^String (apply str parts)))

(defn producer ^KafkaProducer [extra]
  (let [config (doto (Properties.)
                 (.put ProducerConfig/BOOTSTRAP_SERVERS_CONFIG bootstrap)
                 (.put ProducerConfig/KEY_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                 (.put ProducerConfig/VALUE_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                 (.put ProducerConfig/MAX_BLOCK_MS_CONFIG "10000"))]   ; transaction calls wait at most 10 s
    (doseq [[k v] extra] (.put config k v))
    (KafkaProducer. config)))

(defn consumer ^KafkaConsumer [group isolation]
  (KafkaConsumer. (doto (Properties.)
                    (.put ConsumerConfig/BOOTSTRAP_SERVERS_CONFIG bootstrap)
                    (.put ConsumerConfig/GROUP_ID_CONFIG group)
                    (.put ConsumerConfig/ENABLE_AUTO_COMMIT_CONFIG "false")   ; offsets go through the transaction
                    (.put ConsumerConfig/AUTO_OFFSET_RESET_CONFIG "earliest")
                    ;; kafka-clients defaults to read_uncommitted (librdkafka to read_committed): named
                    ;; explicitly, since a pipeline must never pick up another pipeline's aborted output.
                    (.put ConsumerConfig/ISOLATION_LEVEL_CONFIG isolation)
                    (.put ConsumerConfig/MAX_POLL_RECORDS_CONFIG (str batch-size))
                    (.put ConsumerConfig/KEY_DESERIALIZER_CLASS_CONFIG (.getName StringDeserializer))
                    (.put ConsumerConfig/VALUE_DESERIALIZER_CLASS_CONFIG (.getName StringDeserializer)))))

(defn send! [^KafkaProducer p ^String topic ^String id]
  (say "sent " id)
  (.send p (ProducerRecord. topic id)
         (reify Callback
           (onCompletion [_ metadata error]
             (if error
               (say "failed " id " " (.getSimpleName (class error)))
               (say "acked " id " " (.partition ^RecordMetadata metadata) " " (.offset ^RecordMetadata metadata)))))))

(defn write-orders []
  (with-open [p (producer {ProducerConfig/ENABLE_IDEMPOTENCE_CONFIG "true"})]
    (doseq [i (range 1 (inc total))]
      (send! p "orders" (str "order-" i)))
    (.flush p)))

(defn run-pipeline [crash-in]
  (let [orders (consumer "invoicing" "read_committed")
        txn (producer {ProducerConfig/TRANSACTIONAL_ID_CONFIG "invoicing-0"})]   ; stable across restarts
    (.initTransactions txn)   ; fences older instances, aborts their open transaction
    ;; One partition, owned by this instance: assign() it directly instead of subscribe(), so the
    ;; example never waits for a group rebalance. Offsets are still committed to the group.
    (.assign orders [(TopicPartition. "orders" (int 0))])
    (loop [deadline (+ (System/currentTimeMillis) 10000)   ; the first fetch can take a moment
           transactions 0]
      (if (>= (System/currentTimeMillis) deadline)
        (do (.close orders) (.close txn))
        (let [^ConsumerRecords batch (.poll orders (Duration/ofSeconds 1))]
          (if (.isEmpty batch)
            (recur deadline transactions)
            (let [transactions (inc transactions)]
              (.beginTransaction txn)
              (doseq [^ConsumerRecord record batch]
                (send! txn "invoices" (str/replace (.value record) "order-" "invoice-"))
                (swap! emails-sent inc))   ; the side effect: not part of any transaction
              (if (= transactions crash-in)
                (do (.flush txn)
                    (say "crash in transaction " transactions ": " (.count batch) " invoices written, not committed")
                    (swap! abandoned conj txn)
                    (.close orders))
                (let [next-offsets (into {} (for [tp (.assignment orders)]   ; the next offset to read
                                              [tp (OffsetAndMetadata. (.position orders ^TopicPartition tp))]))]
                  (.sendOffsetsToTransaction txn next-offsets (.groupMetadata orders))
                  (.commitTransaction txn)
                  (recur (+ (System/currentTimeMillis) idle-millis) transactions))))))))))

(defn count-invoices
  "Records and distinct invoices a reader at this isolation level finds, read from the start."
  [isolation]
  (with-open [reader (consumer (str "audit-" isolation) isolation)]
    (let [invoices (TopicPartition. "invoices" (int 0))]
      (.assign reader [invoices])
      (.seekToBeginning reader [invoices])
      (let [end (get (.endOffsets reader [invoices]) invoices)]   ; read_committed: the last stable offset
        (loop [values []]
          (if (>= (.position reader invoices) end)
            [(count values) (count (set values))]
            (let [got (.poll reader (Duration/ofSeconds 3))]
              (if (.isEmpty got)
                [(count values) (count (set values))]
                (recur (into values (map #(.value ^ConsumerRecord %)) got))))))))))

(defn -main [& _]
  (write-orders)
  (say "-- pipeline starts")
  (run-pipeline crash-in-transaction)
  (say "-- pipeline restarts with the same transactional.id")
  (run-pipeline nil)
  (let [[records distinct-count] (count-invoices "read_committed")]
    (say "read_committed: " records " invoices, " distinct-count " distinct, for " total " orders"))
  (let [[records distinct-count] (count-invoices "read_uncommitted")]
    (say "read_uncommitted: " records " invoices, " distinct-count " distinct (includes the aborted ones)"))
  (say "e-mails sent: " @emails-sent " for " total " orders"))
