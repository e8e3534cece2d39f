;; The Clojure twins' warm-up for their class-data-sharing archive (engine/jvm/cds.py): builds a
;; producer and a consumer and closes them, nothing connected, after loading clojure.core and the
;; specs its macros are checked against, so that the archive holds Clojure's own classes (most of a
;; Clojure program's start) as well as kafka-clients'.
(ns cds-warmup
  (:gen-class)
  (:require [clojure.string :as string])
  (:import (java.time Duration)
           (java.util Properties)
           (org.apache.kafka.clients.consumer ConsumerConfig KafkaConsumer)
           (org.apache.kafka.clients.producer KafkaProducer ProducerConfig ProducerRecord)
           (org.apache.kafka.common TopicPartition)
           (org.apache.kafka.common.serialization StringDeserializer StringSerializer)))

(defn -main [& _]
  ;; What a twin's namespace does when it loads: its ns form checked against clojure.core.specs.
  (binding [*ns* *ns*]
    (eval '(ns cds-warmup.check (:require [clojure.string :as string]))))
  (let [producer (KafkaProducer. (doto (Properties.)
                                   (.put ProducerConfig/BOOTSTRAP_SERVERS_CONFIG "127.0.0.1:9")
                                   (.put ProducerConfig/KEY_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))
                                   (.put ProducerConfig/VALUE_SERIALIZER_CLASS_CONFIG (.getName StringSerializer))))
        ids (mapv #(str "warm-" %) (range 1 4))
        seen (frequencies ids)]
    (.println System/out (str "warm " (.topic (ProducerRecord. "warmup" (first ids) (string/join "," ids)))
                              " " (count seen)))
    (.close producer Duration/ZERO))
  (let [consumer (KafkaConsumer. (doto (Properties.)
                                   (.put ConsumerConfig/BOOTSTRAP_SERVERS_CONFIG "127.0.0.1:9")
                                   (.put ConsumerConfig/GROUP_ID_CONFIG "warmup")
                                   (.put ConsumerConfig/KEY_DESERIALIZER_CLASS_CONFIG (.getName StringDeserializer))
                                   (.put ConsumerConfig/VALUE_DESERIALIZER_CLASS_CONFIG (.getName StringDeserializer))))]
    (.assign consumer [(TopicPartition. "warmup" 0)])
    (.close consumer Duration/ZERO)))
