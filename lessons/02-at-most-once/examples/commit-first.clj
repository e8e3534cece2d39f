;; At-most-once on the consumer side: commit the batch, then process it (the Clojure twin of commit-first.py).
;;
;; Step 1 fills the topic with 200 payments. Step 2 is a consumer that commits each batch *before*
;; processing it, and crashes right after one of those commits. Step 3 restarts it in the same
;; group: it resumes from the committed offset. The crash is simulated: the first instance stops
;; without processing the batch it has just committed and closes its consumer; with
;; enable.auto.commit=false, close() commits nothing.
(ns commit-first
  (:gen-class)
  (:import (java.time Duration)
           (java.util Properties)
           (org.apache.kafka.clients.consumer ConsumerConfig ConsumerRecord KafkaConsumer)
           (org.apache.kafka.clients.producer Callback KafkaProducer ProducerConfig ProducerRecord RecordMetadata)
           (org.apache.kafka.common TopicPartition)
           (org.apache.kafka.common.serialization StringDeserializer StringSerializer)))

(def bootstrap (System/getenv "BOOTSTRAP_SERVERS"))
(def topic "payments")
(def total 200)
(def crash-on "payment-100")   ; the first instance dies in the batch holding this payment
(def idle-millis 3000)         ; a consumer stops once the topic has been quiet this long

(defn say
  "One whole line per call: the producer's callbacks print from its own thread."
  [& parts]
  (.println System/out ^String (apply str parts)))

(defn report [id]
  (reify Callback
    (onCompletion [_ metadata error]
      (if error
        (say "failed " id " " (.getSimpleName (class error)))
        (say "acked " id " " (.partition ^RecordMetadata metadata) " " (.offset ^RecordMetadata metadata))))))

(defn fill-topic []
  (with-open [producer (KafkaProducer. (doto (Properties.)
                                         (.put ProducerConfig/BOOTSTRAP_SERVERS_CONFIG bootstrap)
                                         (.put ProducerConfig/KEY_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                                         (.put ProducerConfig/VALUE_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))))]
    (doseq [i (range 1 (inc total))]
      (let [payment-id (str "payment-" i)]
        (say "sent " payment-id)
        (.send producer (ProducerRecord. ^String topic payment-id) (report payment-id))))
    (.flush producer)))

(defn run-consumer [crash-on]
  (with-open [consumer (KafkaConsumer. (doto (Properties.)
                                         (.put ConsumerConfig/BOOTSTRAP_SERVERS_CONFIG bootstrap)
                                         (.put ConsumerConfig/GROUP_ID_CONFIG "billing")
                                         (.put ConsumerConfig/ENABLE_AUTO_COMMIT_CONFIG "false") ; we commit ourselves ...
                                         (.put ConsumerConfig/AUTO_OFFSET_RESET_CONFIG "earliest")
                                         (.put ConsumerConfig/MAX_POLL_RECORDS_CONFIG "20")      ; batches of at most 20
                                         (.put ConsumerConfig/KEY_DESERIALIZER_CLASS_CONFIG (.getName StringDeserializer))
                                         (.put ConsumerConfig/VALUE_DESERIALIZER_CLASS_CONFIG (.getName StringDeserializer))))]
    ;; One partition, owned by this instance: assign() it directly instead of subscribe(), so the
    ;; example never waits for a group rebalance. Offsets are still committed to the group.
    (.assign consumer [(TopicPartition. ^String topic (int 0))])
    (loop [deadline (+ (System/currentTimeMillis) 10000)]   ; the first fetch can take a moment
      (when (< (System/currentTimeMillis) deadline)
        (let [ids (mapv #(.value ^ConsumerRecord %) (.poll consumer (Duration/ofSeconds 1)))]
          (cond
            (empty? ids) (recur deadline)
            :else
            (do (.commitSync consumer)   ; ... and we commit BEFORE processing
                (if (and crash-on (some #{crash-on} ids))
                  (say "crash: " (count ids) " payments committed but never processed ("
                       (first ids) " .. " (peek ids) ")")
                  (do (doseq [id ids] (say "processed " id))
                      (recur (+ (System/currentTimeMillis) idle-millis)))))))))))

(defn -main [& _]
  (fill-topic)
  (say "-- first instance starts")
  (run-consumer crash-on)
  (say "-- restarted instance resumes from the committed offset")
  (run-consumer nil))
