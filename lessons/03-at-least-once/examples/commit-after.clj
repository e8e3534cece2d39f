;; At-least-once on the consumer side: process first, commit afterwards (the Clojure twin of commit-after.py).
;;
;; Step 1 fills the topic with 200 shipments. Step 2 is a consumer that processes each message and
;; commits after every 20. It crashes after processing shipment 110, before the commit that would
;; have covered it. Step 3 restarts it in the same group. The crash is simulated: the first
;; instance stops and closes its consumer; with enable.auto.commit=false, close() commits nothing.
(ns commit-after
  (:gen-class)
  (:import (java.time Duration)
           (java.util Properties)
           (org.apache.kafka.clients.consumer ConsumerConfig ConsumerRecord KafkaConsumer OffsetAndMetadata)
           (org.apache.kafka.clients.producer Callback KafkaProducer ProducerConfig ProducerRecord RecordMetadata)
           (org.apache.kafka.common TopicPartition)
           (org.apache.kafka.common.serialization StringDeserializer StringSerializer)))

(def bootstrap (System/getenv "BOOTSTRAP_SERVERS"))
(def topic "shipments")
(def total 200)
(def commit-every 20)
(def crash-after "shipment-110")
(def idle-millis 3000)

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
      (let [shipment-id (str "shipment-" i)]
        (say "sent " shipment-id)
        (.send producer (ProducerRecord. ^String topic shipment-id) (report shipment-id))))
    (.flush producer)))

(defn run-consumer [crash-after]
  (with-open [consumer (KafkaConsumer. (doto (Properties.)
                                         (.put ConsumerConfig/BOOTSTRAP_SERVERS_CONFIG bootstrap)
                                         (.put ConsumerConfig/GROUP_ID_CONFIG "warehouse")
                                         (.put ConsumerConfig/ENABLE_AUTO_COMMIT_CONFIG "false")
                                         (.put ConsumerConfig/AUTO_OFFSET_RESET_CONFIG "earliest")
                                         (.put ConsumerConfig/KEY_DESERIALIZER_CLASS_CONFIG (.getName StringDeserializer))
                                         (.put ConsumerConfig/VALUE_DESERIALIZER_CLASS_CONFIG (.getName StringDeserializer))))]
    ;; One partition, owned by this instance: assign() it directly instead of subscribe(), so the
    ;; example never waits for a group rebalance. Offsets are still committed to the group.
    (let [partition (TopicPartition. ^String topic (int 0))
          handled (volatile! 0)]
      (.assign consumer [partition])
      (loop [deadline (+ (System/currentTimeMillis) 10000)]   ; the first fetch can take a moment
        (when (< (System/currentTimeMillis) deadline)
          (let [records (seq (.poll consumer (Duration/ofSeconds 1)))
                crashed (reduce (fn [_ ^ConsumerRecord record]
                                  (let [shipment-id (.value record)]
                                    (say "processed " shipment-id)            ; 1. do the work
                                    (if (= shipment-id crash-after)
                                      (do (say "crash: " shipment-id " processed but not committed")
                                          (reduced true))                       ; with-open closes, committing nothing
                                      (do (when (zero? (mod (vswap! handled inc) commit-every))
                                            ;; 2. then record progress: the committed offset is the NEXT one to read
                                            (.commitSync consumer {partition (OffsetAndMetadata. (inc (.offset record)))}))
                                          false))))
                                false records)]
            (cond
              crashed nil
              records (recur (+ (System/currentTimeMillis) idle-millis))   ; quiet this long: stop
              :else (recur deadline))))))))

(defn -main [& _]
  (fill-topic)
  (say "-- first instance starts")
  (run-consumer crash-after)
  (say "-- restarted instance resumes from the committed offset")
  (run-consumer nil))
